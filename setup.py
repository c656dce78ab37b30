"""brl-mm: Balanced Representation Learning for long-tailed skeleton action
recognition, as an MMAction2 1.x extension package."""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join('brl_mm', 'version.py'), encoding='utf-8') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(path: str) -> list:
    with open(path, encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


with open('README.md', encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='brl-mm',
    version=read_version(),
    description='Balanced Representation Learning (BRL) for long-tailed '
    'skeleton-based action recognition on MMAction2 1.x',
    long_description=long_description,
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['brl_mm', 'brl_mm.*']),
    include_package_data=True,
    package_data={
        'brl_mm': ['data/lt_splits/*.txt', 'data/class_names/*.txt']
    },
    # torch and mmaction2 are deliberately not declared: an unpinned torch pulls a
    # multi-GB CUDA build, and mmaction2 1.2.0 must be installed with --no-deps.
    # tools/setup_env.sh installs both (see README).
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={
        'tests': read_requirements('requirements/tests.txt'),
        'export': read_requirements('requirements/export.txt'),
    },
    classifiers=[
        'License :: OSI Approved :: Apache Software License',
        'Programming Language :: Python :: 3',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
