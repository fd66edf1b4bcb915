"""A self-hosted Danish voicebot and chatbot for municipal contact centres.

Empty on purpose: `import app.config` must not load the web stack. The web app is built by
`app.webapp.create_app`; the layout is in docs/architecture.md.
"""
