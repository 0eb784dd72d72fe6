"""Run the mnist_classify experiment; see `python experiments/mnist_classify.py --help`."""

from elegans_keras.experiments.mnist_classify import main

if __name__ == "__main__":
    main()
