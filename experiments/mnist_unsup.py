"""Run the mnist_unsup experiment; see `python experiments/mnist_unsup.py --help`."""

from elegans_keras.experiments.mnist_unsup import main

if __name__ == "__main__":
    main()
