"""W1: the words of a ticket and of a query (core/search.py)."""

from itsmctl.core.search import document, expression, phone_words, terms, where_found


def test_W1_document_columns():
    doc = {"title": "计费出错", "description": "invoices wrong", "location": "HQ",
           "reporter": {"name": "王五", "phone": "138-0000-1234", "email": "w@x.cn"},
           "links": {"cis": ["db01"]}, "alert": {"id": "a-1", "message": "disk full"},
           "tasks": [{"title": "restore", "result": "done"}]}
    title, who, things, body = document(doc, ["called back"])
    assert "计费" in title.split() and "计" in title.split()
    assert "13800001234" in who.split() and "1234" in who.split() and "王五" in who.split()
    assert "db01" in things.split() and "hq" in things.split()
    assert {"invoic", "call", "back", "disk", "full", "restore"} <= set(body.split())


def test_W1_expression_every_word_numbers_as_prefixes():
    assert expression("王五 1380") == '"王" AND "五" AND "王五" AND "1380"*'
    assert expression("db01 db01") == '"db01"'
    assert expression("vpn down", any_term=True) == '"vpn" OR "down"'
    assert expression("的") is None
    assert terms('say "hi"') == ["say", "hi"]


def test_W1_phone_words():
    assert phone_words("+86 138-0000-1234") == ["8613800001234", "1234"]
    assert phone_words("110") == ["110"]
    assert phone_words(None) == []


def test_W1_where_found_names_the_matching_part():
    doc = {"title": "VPN down", "reporter": {"name": "李四", "phone": "13912345678"},
           "links": {"cis": ["vpn-gw01"]}, "description": ""}
    assert where_found(doc, "李四") == "reporter: 李四 13912345678"
    assert where_found(doc, "5678") == "reporter: 李四 13912345678"
    assert where_found(doc, "gw01") == "ci: vpn-gw01"
    assert where_found(doc, "printer") == "notes"


def test_W1_in_column_prefixes_every_word():
    from itsmctl.core.search import in_column

    assert in_column("who", "王五") == 'who : ("王"* AND "五"* AND "王五"*)'
    assert in_column("who", "13800000000") == 'who : ("13800000000"*)'
    assert in_column("things", "billing-db01") == 'things : ("bill"* AND "db01"*)'
    assert in_column("who", "的") is None


def test_W1_words_of_every_script_latin_accents_dropped():
    from itsmctl.core.tokens import tokens

    assert tokens("Müller") == tokens("Muller") == tokens("Mu\u0308ller") == ["muller"]
    assert tokens("Réseau lent à l'étage") == ["reseau", "lent", "l", "etage"]  # à: a stop word
    assert tokens("Ольга Петрова") == ["ольга", "петрова"]
    assert tokens("abc计费") == ["abc", "计", "费", "计费"]          # Chinese as before
    assert tokens("プリンター が") == ["プリンター", "が"]         # marks of kana kept
    assert expression("Müller 1380") == '"muller" AND "1380"*'
