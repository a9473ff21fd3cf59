"""The run-time vocabularies, a floor below the text stages (NER and linking read them; nothing here reads a stage).

- :mod:`kg.vocab.lexicon`: the packaged lexicon (surface form -> label + CURIE) and its index, shared
  by the dictionary NER and the ``lexicon`` linker;
- :mod:`kg.vocab.terminology`: the linking terminology (concepts, names, equivalent ids);
- :mod:`kg.vocab.chemnames`: chemical name forms (formulas, salts, ``-ate`` -> ``-ic acid``).

Their builders (``medkg vocab build``) read seed graphs and training corpora, so they live above
every stage in :mod:`kg.train` (``vocab``, ``lexicon_assembly``, ``terminology``,
``terminology_assembly``).
"""
