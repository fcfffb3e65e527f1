"""The web console (/console): server-rendered pages for editors, hotline staff and admins (design §7.4).

Kept free of imports so that `api.console.accounts` can be used by the CLI without loading the web stack;
`api.console.mount.install` adds the console to the app.
"""
