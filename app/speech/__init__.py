"""Audio in and out: G.711 and resampling, speech recognition, speech synthesis, prompt audio."""
