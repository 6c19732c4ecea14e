"""The funding proof (Verwendungsnachweis): figures as of any instant, their changes, formats."""
