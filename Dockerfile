# The voicebot: web (webhooks + Media Streams under gunicorn) and worker share this image.
FROM python:3.11-slim-bookworm

# espeak-ng is pyttsx3's speech engine on Linux (the Danish voice ships with it); libcairo2
# renders the admin's charts as PNG.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libcairo2 \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 voicebot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir '.[ctc,transducer,sip]'   # STT_ENGINE=ctc/transducer; voicebot sip
# Smart Turn v3.2 for TURN_MODEL=smart-turn-v3.2 (one file from the pipecat-ai wheel, checked).
COPY deploy/install_turn_model.py ./deploy/
RUN python deploy/install_turn_model.py
# Owned by the app user: the intents volume is seeded from here on first start, and every node
# writes the cluster's newest intent set back to it.
COPY --chown=voicebot:voicebot intents ./intents
COPY audio ./audio
RUN mkdir -p /data /models && chown voicebot:voicebot /data

ENV PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    INTENTS_DIR=/app/intents/da \
    PROMPTS_DIR=/app/audio/prompts/da
VOLUME ["/data", "/models", "/app/intents"]
USER voicebot
EXPOSE 8000
CMD ["voicebot", "serve", "--host", "0.0.0.0", "--port", "8000"]
