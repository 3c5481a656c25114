"""``python -m seqnlp`` runs the CLI (also what ``torchrun -m seqnlp`` needs)."""

from seqnlp.cli import main

if __name__ == "__main__":
    main()
