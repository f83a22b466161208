# The teaching notebooks (issue 8): notebooks/*.ipynb, assembled from
# notebooks/src/*.cells by notebooks/gen and saved with their outputs.
#
# test-notebooks checks that every notebook matches its source and was saved
# run, checks its prose against its saved outputs (notebooks/claims: the
# claims each notebook makes, and every chart's legend inside the picture),
# runs each in quick mode (RLVRWORLD_QUICK=1: small budgets) with
# `rlvrworld run` into a temporary folder, and validates the committed and the
# executed notebooks with Debian's nbformat (nbformat 4.5 schema). All quick
# runs together must finish within NOTEBOOKS_LIMIT seconds (10 minutes on 2
# cores). Then it runs each once more in real Jupyter (nbconvert --execute)
# through our kernelspec, installed into a temporary prefix.
APT_PACKAGES += python3-nbformat jupyter-nbconvert
TEST_E2E += test-notebooks

NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NOTEBOOKS_OUT ?= /tmp/rlvrworld-notebooks
NOTEBOOKS_LIMIT ?= 600

# Validates every notebook given as an argument against the nbformat schema
# and requires version 4.5; a schema error names the notebook's problem.
NBFORMAT_VALIDATE = /usr/bin/python3 -c 'import sys, nbformat; \
nbs = [(p, nbformat.read(p, as_version=nbformat.NO_CONVERT)) for p in sys.argv[1:]]; \
[nbformat.validate(nb) for p, nb in nbs]; \
bad = [p for p, nb in nbs if (nb.nbformat, nb.nbformat_minor) != (4, 5)]; \
sys.exit("not nbformat 4.5: " + " ".join(bad)) if bad or not nbs else print("valid nbformat 4.5:", len(nbs), "notebooks")'

.PHONY: test-notebooks notebooks

test-notebooks: build
	$(GO) run ./notebooks/gen -check
	$(GO) test ./notebooks/...
	@$(NBFORMAT_VALIDATE) $(NOTEBOOKS)
	@rm -rf $(NOTEBOOKS_OUT) && mkdir -p $(NOTEBOOKS_OUT)
	@start=$$(date +%s); set -e; for nb in $(NOTEBOOKS); do \
		echo "quick run: $$nb"; \
		RLVRWORLD_QUICK=1 timeout $(NOTEBOOKS_LIMIT) $(abspath $(BIN)) run -q --timeout 5m $$nb -o $(NOTEBOOKS_OUT)/$$(basename $$nb); \
	done; took=$$(( $$(date +%s) - start )); \
	echo "all notebooks ran in quick mode in $${took}s (limit $(NOTEBOOKS_LIMIT)s)"; \
	test $$took -le $(NOTEBOOKS_LIMIT)
	@$(NBFORMAT_VALIDATE) $(NOTEBOOKS_OUT)/*.ipynb
	@$(abspath $(BIN)) kernel install --prefix $(NOTEBOOKS_OUT)/prefix >/dev/null
	@set -e; for nb in $(NOTEBOOKS); do \
		echo "nbconvert --execute (quick): $$nb"; \
		RLVRWORLD_QUICK=1 JUPYTER_PATH=$(NOTEBOOKS_OUT)/prefix/share/jupyter jupyter nbconvert --to notebook --execute \
			--ExecutePreprocessor.kernel_name=rlvrworld --ExecutePreprocessor.timeout=300 \
			--output-dir $(NOTEBOOKS_OUT)/nbconvert $$nb >$(NOTEBOOKS_OUT)/nbconvert.log 2>&1 \
			|| { cat $(NOTEBOOKS_OUT)/nbconvert.log; exit 1; }; \
	done
	@$(NBFORMAT_VALIDATE) $(NOTEBOOKS_OUT)/nbconvert/*.ipynb

# Regenerates the notebooks from their sources and runs each in full mode in
# place, saving the outputs that are committed (a few minutes per notebook).
notebooks: build
	$(GO) run ./notebooks/gen
	@set -e; for nb in $(NOTEBOOKS); do $(abspath $(BIN)) run $$nb; done
