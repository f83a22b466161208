# The Go notebook kernel (kernel/, stdlib/symbols, cmd/rlvrworld kernel|run|bench kernel).
# Debian's Jupyter tools drive the kernel in the end-to-end tests; they install
# into /usr/bin/python3, not the python3 first on PATH.
APT_PACKAGES += jupyter-client jupyter-nbconvert python3-jupyter-client python3-ipykernel python3-nbformat
