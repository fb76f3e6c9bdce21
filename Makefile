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
	$(PIP) install --quiet -e '.[local,test]'
	touch $@

install: .install.stamp

demo: install
	plait ingest examples/docs
	plait ask "How does plait decide whether to retrieve documents for a question?"

test: install
	$(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: install
	for b in benchmarks/*.py; do $(PYTHON) $$b || exit 1; done
