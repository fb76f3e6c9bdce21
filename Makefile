# The two set-up commands: `make demo` (main job on the embedded defaults) and `make test`.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# llama-cpp-python compiles from source; -march=native enables AMX, which faults on some VMs.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo test bench

.install.stamp: pyproject.toml
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[all]'
	@# a llama-cpp-python wheel built for another CPU crashes at the first token: rebuild it from source
	$(PYTHON) -m plait.core.models.llamacpp_check || { rc=$$?; [ $$rc = 2 ] || { \
	  $(PIP) install --quiet --no-cache-dir --force-reinstall --no-deps \
	    "llama-cpp-python==$$($(PYTHON) -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')" && \
	  $(PYTHON) -m plait.core.models.llamacpp_check; }; }
	touch $@

install: .install.stamp

demo: install
	plait ingest examples/docs
	plait ask "How does plait decide whether to retrieve documents for a question?"

# Ray binds the machine's address, so its tests run in a private network namespace with only loopback
# (needs root: CI runs as root). Elsewhere they skip, saying how to run them.
RAY_TESTS := tests/pipeline tests/plugins/codeverify
test: install
	$(PYTHON) -m pytest -q -p no:cacheprovider -m "not ray" $(PYTEST_ARGS)
	@if [ "$$(id -u)" = 0 ] && command -v unshare >/dev/null; then \
	  unshare --net bash -c 'ip link set lo up; exec $(PYTHON) -m pytest -q -p no:cacheprovider -m ray $(RAY_TESTS)'; \
	else echo "Ray tests skipped: they need root for a loopback-only network namespace (see docs/pipeline.md)"; fi

bench: install
	for b in benchmarks/*.py; do $(PYTHON) $$b || exit 1; done
