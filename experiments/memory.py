"""Run the memory experiment; see `python experiments/memory.py --help`."""

from elegans_keras.experiments.memory import main

if __name__ == "__main__":
    main()
