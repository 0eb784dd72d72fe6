"""Run the cifar experiment; see `python experiments/cifar.py --help`."""

from elegans_keras.experiments.cifar import main

if __name__ == "__main__":
    main()
