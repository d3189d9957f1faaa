# Neural Workbench. On a fresh Debian or Ubuntu machine with Go installed:
#   make run    build and start the app
#   make test   run every test (with the race detector) and the screenshots
# Both install the system packages they need first (apt-get, with sudo when
# not root). On other systems install the equivalents of $(PACKAGES) by hand.

GO      ?= go
BIN     := bin/workbench
export LANG := en_US.UTF-8

# gcc, OpenGL and X11 headers build the Fyne window (cgo); OpenBLAS makes
# training about three times faster (it is opened at run time, and the app
# falls back to pure Go without it); Xvfb, xauth and ImageMagick run the
# real window headless and take screenshots of it; PyTorch (Debian's
# python3-torch, with numpy) checks that an export to PyTorch scores what
# the run did, and Pillow (python3-pil) that its train.py reads an image
# folder as the workbench does.
PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev libopenblas0-pthread xvfb xauth imagemagick python3-torch python3-numpy python3-pil

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run build test deps bench screenshot clean

run: deps build
	./$(BIN)

build:
	$(GO) build -o $(BIN) ./app

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1; then \
			echo "installing: $$missing"; \
			$(SUDO) apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "This is not a Debian/Ubuntu system: install the equivalents of: $$missing"; exit 1; \
		fi; \
	fi

test: deps
	$(GO) vet ./...
	$(GO) test -race -timeout 15m ./...
	$(GO) test -count=1 -run TestPhotosClassifyRight ./training/imageproc/photoset/
	$(MAKE) --no-print-directory screenshot

# Starts the real app under Xvfb, trains through the window, classifies
# dropped images and a drawn digit, saves a PNG of each tab in $(SHOTS)
# and checks that they are not blank. The tour that drives the window is
# test machinery: only this build (-tags tour) has it, not bin/workbench.
SHOTS := $(CURDIR)/bin/screenshots
TOUR_BIN := bin/workbench-tour
screenshot: deps
	$(GO) build -tags tour -o $(TOUR_BIN) ./app
	rm -rf $(SHOTS)
	XDG_CONFIG_HOME=$$(mktemp -d) WORKBENCH_HOME=$$(mktemp -d) NW_TOUR=$(SHOTS) timeout 300 \
		xvfb-run -a -s "-screen 0 1400x900x24" ./$(TOUR_BIN)
	NW_SCREENSHOTS=$(SHOTS) $(GO) test -count=1 -run TestScreenshots ./app/

# Benchmarks quoted in the README.
bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 3s ./training/... ./plots/

clean:
	rm -rf bin

# The Linux bundle: bin/neural-workbench.tar.xz holds the binary, the
# .desktop entry and the icon named in FyneApp.toml, and a Makefile to
# install them. `fyne package` (fyne.io/tools, installed into bin/ at the
# version below, whose own Fyne is the 2.7 line we build with) reads
# FyneApp.toml from the main package's folder and increments its Build:
# it runs on a copy of the main package, FyneApp.toml and the icon in
# bin/_package (the underscore keeps ./... patterns out of it), so nothing
# tracked changes. Not part of `make test`.
FYNE_TOOLS := v1.7.2
FYNE       := $(CURDIR)/bin/fyne-$(FYNE_TOOLS)
PKGDIR     := $(CURDIR)/bin/_package
BUNDLE     := bin/neural-workbench.tar.xz

.PHONY: package install

$(FYNE):
	GOBIN=$(CURDIR)/bin $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS)
	mv $(CURDIR)/bin/fyne $@

package: deps $(FYNE)
	rm -rf $(PKGDIR) && mkdir -p $(PKGDIR)/workbench/assets
	cp $(filter-out %_test.go,$(wildcard app/*.go)) FyneApp.toml $(PKGDIR)/workbench/
	cp assets/icon.png $(PKGDIR)/workbench/assets/
	cd $(PKGDIR)/workbench && $(FYNE) package --os linux
	mv "$(PKGDIR)/workbench/$$(sed -n 's/^Name *= *"\(.*\)"/\1/p' FyneApp.toml).tar.xz" $(BUNDLE)
	rm -rf $(PKGDIR)
	@echo "$(BUNDLE): $$(tar -tJf $(BUNDLE) | grep -v '/$$' | tr '\n' ' ')"

# Puts the bundle's app in the user's menu: the binary in ~/.local/bin,
# the .desktop entry in ~/.local/share/applications and the icon in
# ~/.local/share/icons, with the bundle's own Makefile (user-install; its
# user-uninstall removes them). That Makefile names the icon without its
# .png, the name of the file in the bundle: Icon= gives it back.
APPID := $(shell sed -n 's/^ID *= *"\(.*\)"/\1/p' FyneApp.toml)

install: package
	rm -rf $(PKGDIR) && mkdir -p $(PKGDIR)
	tar -xJf $(BUNDLE) -C $(PKGDIR)
	$(MAKE) --no-print-directory -C $(PKGDIR)/workbench user-install Icon=$(APPID).png
	@if command -v update-desktop-database >/dev/null; then update-desktop-database $(HOME)/.local/share/applications; fi
	rm -rf $(PKGDIR)
