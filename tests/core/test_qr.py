from epiqr.core import qr


def test_a_drawn_code_reads_back():
    url = "https://epiqr.example/v/abc.DEF_123"
    assert qr.read_bytes(qr.draw_png(url)) == [url]


def test_garbage_upload_reads_as_no_code():
    assert qr.read_bytes(b"not an image") == []
