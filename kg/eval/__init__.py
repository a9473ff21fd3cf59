"""Evaluations of the text stages on annotated corpora (``medkg eval ner|linking|relations``).

- :mod:`kg.eval.entities`: NER spans and end-to-end linking;
- :mod:`kg.eval.relations`: relations with each benchmark's measure (BC5CDR CID, BioRED, DDI 2013, notes).

P/R/F1 come from :mod:`kg.metrics`. Training (the floor above) uses these to score its models.
"""
