"""Training records and targeted-mail drills: issue 18."""
