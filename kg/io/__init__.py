"""Reading inputs: user documents (``kg.io.ingest``) and gold-annotated corpora (``kg.io.corpora``)."""
