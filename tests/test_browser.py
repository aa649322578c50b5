"""The explorers in a real browser: JupyterLab 4 in Debian's Chromium, driven by Playwright.

A solution notebook and a notebook holding every explorer are opened and run with
"Run All Cells", as a student would. Every explorer must render (no "Error displaying
widget", no "model not found"), and dragging a slider or clicking a label must change the
picture. Screenshots go to the test's temporary folder. Skips, with the reason, when
Chromium or Playwright is missing; `.ci/run` installs Chromium so that CI always runs it.
"""

import shutil
import time
from pathlib import Path

import nbformat
import pytest
from helpers import LAB_TOKEN, ROOT, jupyterlab

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: `make test` installs it")

WIDGET_ERRORS = ("Error displaying widget", "model not found", "Failed to load model class")
EXPLORERS = """\
import torch
from gancourse import latent, widgets
from gancourse.models import VAE, MLPAutoencoder
from gancourse.data import cmp
from gancourse.models.gan import MLPGenerator
from gancourse.models.translation import ResnetGenerator, UnetGenerator
from gancourse.translation_widgets import facade_editor, round_trip
from gancourse.frontier_widgets import style_mixing_explorer, truncation_explorer
from gancourse.models.attention import SAGANGenerator
from gancourse.models.stylegan import StyleGANGenerator
from gancourse import diffusion, diffusion_widgets
from gancourse.models.diffusion_unet import DiffusionUNet

torch.manual_seed(0)
label_map = cmp.colorize(cmp.random_facade(64, torch.Generator().manual_seed(0))).float() / 127.5 - 1
codes = torch.randn(300, 3)
three_to_eight = latent.class_mean_direction(torch.randn(100, 20), torch.arange(100) % 10, 3, 8)
"""
CELLS = {
    "interpolate": "widgets.interpolate(MLPGenerator())",
    "latent_sliders": "widgets.latent_sliders(MLPAutoencoder(latent_dim=3), codes=codes)",
    "class_explorer": "widgets.class_explorer(MLPGenerator(n_classes=10))",
    "direction_explorer": "widgets.direction_explorer(VAE(latent_dim=20), three_to_eight)",
    "facade_editor": "facade_editor(UnetGenerator(n_downs=6, ngf=16), label_map)",
    "round_trip": "round_trip(ResnetGenerator(ngf=8, n_blocks=2), ResnetGenerator(ngf=8, n_blocks=2), "
                  "torch.rand(4, 3, 64, 64) * 2 - 1, torch.rand(4, 3, 64, 64) * 2 - 1)",
    "truncation_explorer": "truncation_explorer(SAGANGenerator(ngf=16, attention_at=7))",
    "style_mixing_explorer": "style_mixing_explorer(StyleGANGenerator(widths=(16, 16, 8)))",
    "sampler_explorer": "diffusion_widgets.sampler_explorer(ddpm=DiffusionUNet((8, 16), n_classes=10, patch=2), "
                        "flow=DiffusionUNet((8, 16), n_classes=10, patch=2), "
                        "schedule=diffusion.NoiseSchedule.linear())",
}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "solutions" / "01_autoencoder.ipynb", root)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(EXPLORERS)] + [nbformat.v4.new_code_cell(c) for c in CELLS.values()]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "explorers.ipynb")
    with jupyterlab(root, tmp_path_factory.mktemp("lab-state")) as base:
        yield base


def run_all(browser, lab, name, shots: Path):
    """Open the notebook, Run All Cells, wait until no cell is queued or running; return the page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # A workspace of its own, reset: only this notebook is open, whatever ran before.
    page.goto(f"{lab}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={LAB_TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    accept_dialogs(page, shots)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    accept_dialogs(page, shots)
    news = page.locator(".jp-toast-button", has_text="No")  # JupyterLab's "news?" toast would cover the pictures
    if news.count():
        news.first.click(timeout=5_000)
    code_cells = page.locator(".jp-CodeCell")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:  # every prompt shows a number once its cell ran: none blank, none [*]
        prompts = code_cells.locator(".jp-InputPrompt").all_inner_texts()
        if prompts and all(p.strip() not in ("[ ]:", "[*]:") for p in prompts):
            break
        time.sleep(1)
    else:
        page.screenshot(path=shots / f"{name}-timeout.png")
        pytest.fail(f"{name}: cells still queued or running after 240 s")
    time.sleep(1)  # let the last widgets draw
    page.screenshot(path=shots / f"{name}.png", full_page=True)
    return page


def accept_dialogs(page, shots: Path):
    """Accept whatever JupyterLab asks first (e.g. which kernel, when its list came late), keeping a screenshot."""
    page.wait_for_timeout(1000)
    dialogs = page.locator(".jp-Dialog")
    for attempt in range(dialogs.count()):
        page.screenshot(path=shots / f"dialog-{attempt}.png")
        print("JupyterLab asked:", dialogs.first.inner_text().replace("\n", " | "))
        page.locator(".jp-Dialog .jp-mod-accept").first.click()
        page.wait_for_timeout(500)


def assert_no_errors(page, name):
    text = page.locator(".jp-Notebook").inner_text()
    for message in WIDGET_ERRORS + ("Traceback (most recent call last)",):
        assert message not in text, f"{name}: '{message}' on the page"


def image_source(output):
    return output.locator("img.widget-image").first.get_attribute("src")


def drag_first_slider(page, output, pixels=60):
    handle = output.locator(".noUi-handle, .ui-slider-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 7):  # a hand moves in small steps
        page.mouse.move(x + pixels * step / 6, y)
    page.mouse.up()


def wait_for_change(output, before, what):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if image_source(output) != before:
            return
        time.sleep(0.2)
    pytest.fail(f"{what}: the picture did not change")


def test_every_explorer_renders_and_answers_in_jupyterlab(browser, lab, tmp_path):
    page = run_all(browser, lab, "explorers.ipynb", tmp_path)
    assert_no_errors(page, "explorers.ipynb")
    outputs = page.locator(".jp-CodeCell .jp-OutputArea")
    for index, name in enumerate(CELLS, start=1):
        output = outputs.nth(index)
        assert output.locator(".jupyter-widgets").count() > 0, f"{name} did not render as a widget"
        assert output.locator("img.widget-image").count() >= 1, f"{name} shows no picture"
        before = image_source(output)
        if name == "class_explorer":
            output.locator("button", has_text="7").first.click()
        else:
            drag_first_slider(page, output)
        wait_for_change(output, before, name)
        output.screenshot(path=tmp_path / f"{name}.png")
    assert_no_errors(page, "explorers.ipynb after the drags")


def test_a_solution_notebook_runs_with_its_explorer_in_jupyterlab(browser, lab, tmp_path):
    # Lecture 1, the quickest to run (nbval executes every solution already; this adds a third of 05's
    # cost); the class explorer's label buttons are clicked in the test above.
    page = run_all(browser, lab, "01_autoencoder.ipynb", tmp_path)
    assert_no_errors(page, "01_autoencoder.ipynb")
    explorer = page.locator(".jp-OutputArea").filter(has=page.locator(".jupyter-widgets img.widget-image")).first
    before = image_source(explorer)
    drag_first_slider(page, explorer)
    wait_for_change(explorer, before, "01_autoencoder latent sliders")
    explorer.screenshot(path=tmp_path / "01_autoencoder-latent-sliders.png")
