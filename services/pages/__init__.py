"""The web pages: server-rendered (Jinja), signed in with a session cookie, forms CSRF-protected."""
