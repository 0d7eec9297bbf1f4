"""Package data: the sample pair (`samples/`) and the icons (`icons/`).

A package so that an installed wheel carries them and the code finds them with
`importlib.resources`, wherever Truce is installed.
"""
