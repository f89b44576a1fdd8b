"""`itsmctl serve`: the desk on the web (U1-U4). Needs the `web` extra: Starlette, uvicorn,
Jinja2, python-multipart (pip install 'itsmctl[web]')."""
