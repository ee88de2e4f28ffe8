"""The ceiling: a bare Flask "hello" endpoint under the same server and load."""

from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello():
    return "hello"
