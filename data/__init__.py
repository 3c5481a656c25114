"""Dataset manifest and small hand-written samples (installed as ``seqnlp.data``)."""
