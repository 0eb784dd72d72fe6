"""Run the topology study and its report; see `python experiments/topology.py --help`."""

from elegans_keras.experiments.topology import main

if __name__ == "__main__":
    main()
