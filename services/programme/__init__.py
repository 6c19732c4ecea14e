"""The public programme: what is on at the Dorftreffs, for anyone, without sign-in."""
