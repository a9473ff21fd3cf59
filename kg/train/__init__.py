"""Every training entry, apart from the run-time stages it trains.

- :mod:`kg.train.ner`: the NER taggers (``medkg train ner``);
- :mod:`kg.train.linker`: the linking reranker (``medkg train linker``);
- :mod:`kg.train.relations`: the relation models (``medkg train relations``), with
  :mod:`kg.train.has_symptom` (distantly supervised HAS_SYMPTOM) and :mod:`kg.train.pair_classifier`
  (the MiniLM DDI pair classifier), :mod:`kg.train.doc_linear` (the document-level drug–disease model).

Training scores its models with the evaluations of :mod:`kg.eval` (the floor below); nothing at
run time imports this package.
"""
