"""Install Smart Turn v3.2 (Pipecat's end-of-turn model, BSD-2) for TURN_MODEL=smart-turn-v3.2.

The model ships only inside PyPI's `pipecat-ai` wheel. This downloads that one wheel from the
package registry (no dependencies, nothing of pipecat installed), checks the model file against
its known SHA-256 and copies it to `<python prefix>/share/voicebot/`, where the bot looks.
Run by `make setup` and the Dockerfile: `python deploy/install_turn_model.py`.
"""

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "pipecat-ai==1.14.0"
MEMBER = "pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
TARGET = Path(sys.prefix) / "share" / "voicebot" / Path(MEMBER).name


def main() -> int:
    """Download, check and install; 0 when the model is in place."""
    if TARGET.is_file() and hashlib.sha256(TARGET.read_bytes()).hexdigest() == SHA256:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, WHEEL],
            check=True,
        )
        (wheel,) = Path(tmp).glob("pipecat_ai-*.whl")
        data = zipfile.ZipFile(wheel).read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        print(f"{MEMBER} in {WHEEL} is not the file this project was tested with", file=sys.stderr)
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(data)
    print(f"installed {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
