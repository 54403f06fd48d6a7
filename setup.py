"""Installs keras-gans: ``pip install -e .``; extras ``[test]`` (the test suite), ``[tutorials]``
(JupyterLab), ``[docs]`` (MkDocs), ``[serving]`` (TF Serving warm-up requests)."""

from setuptools import find_packages, setup

TUTORIALS = ["jupyterlab", "papermill", "ipykernel"]
DOCS = ["mkdocs>=1.6", "mkdocs-material>=9", "mkdocstrings[python]>=0.26", "mkdocs-jupyter>=0.25"]

setup(
    name="keras-gans",
    version="0.1.0",
    description="The classic GANs (Goodfellow, DCGAN, conditional, WGAN, WGAN-GP, EBGAN, ALI, "
    "semi-supervised, unrolled, 1-D toy) as tested Keras 3 models trained with model.fit().",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["keras_gans", "keras_gans.*"]),
    package_data={"keras_gans": ["assets/*"]},
    install_requires=[
        "tensorflow>=2.16",  # bundles Keras 3
        "keras>=3.0",
        "tensorflow-datasets>=4.9",
        "importlib_resources",  # imported by TFDS 4.9.10 but not declared by it
        "keras-tuner[bayesian]>=1.4",  # BayesianOptimization needs scikit-learn
        "tensorboard",  # Keras Tuner imports its hparams plugin; TF 2.21 no longer pulls it in
        "matplotlib>=3.5",
        "pillow",  # matplotlib's PillowWriter for the training GIF
        "numpy",
        "scipy",
    ],
    extras_require={
        # TF Serving warm-up requests in exports (PredictionLog protos).
        "serving": ["tensorflow-serving-api"],
        # Opening the tutorials (JupyterLab) and running them top to bottom (papermill).
        "tutorials": TUTORIALS,
        # The documentation site: `mkdocs serve` / `mkdocs build --strict`.
        "docs": DOCS,
        # pytest-xdist: the suite runs on 2 worker processes (pytest.ini), ~2x faster on 2 cores.
        # The tests also execute the tutorials and build the docs.
        "test": ["pytest>=7", "pytest-xdist>=3", "tensorflow-serving-api", *TUTORIALS, *DOCS],
    },
    entry_points={"console_scripts": ["keras-gans=keras_gans.cli:main"]},
)
