"""The documents a garage hands out, as PDFs in the reader's language (Arabic
shaped and right-to-left): quote, invoice, receipt, credit note, purchase
order, supplier statement and client (or fleet) statement; and each issued
invoice as UBL 2.1 XML in the JoFotara profile (``ubl``).

One module per document fills a ``Sheet`` from the core read models;
``layout`` draws every sheet the same way; ``render.render_document`` is the
one entry point the adapters call. Nothing here writes except
``profile.set_document_profile``."""
