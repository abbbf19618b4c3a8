"""The ceiling for benchmark 1: a Flask endpoint that does nothing, served by the same gunicorn config."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "ok"
