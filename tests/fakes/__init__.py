"""Fakes of the platforms on the other side of the wire, served on 127.0.0.1."""
