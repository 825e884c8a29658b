using System.IO.Compression;
using Eval.Core.Corpora;

namespace Eval.Tests.Corpora;

public class DocumentSourceTests
{
    string dir = "";
    [SetUp] public void Create() { dir = Path.Combine(Path.GetTempPath(), "docs-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(dir); }
    [TearDown] public void Remove() => Directory.Delete(dir, recursive: true);

    [Test]
    public void Load_FolderOfTxtAndGz_ReadsEachAsOneDocumentSortedByName()
    {
        File.WriteAllText(Path.Combine(dir, "b.txt"), "second book");
        using (var gz = new GZipStream(File.Create(Path.Combine(dir, "a.txt.gz")), CompressionLevel.Optimal))
            gz.Write("first book"u8);
        File.WriteAllText(Path.Combine(dir, "notes.md"), "ignored");
        var documents = DocumentSource.Load(dir);
        Assert.That(documents, Is.EqualTo(new[] { new Document("a", "first book"), new Document("b", "second book") }));
    }

    [Test]
    public void Load_JsonLines_UsesTextAndOptionalId()
    {
        string path = Path.Combine(dir, "set.jsonl");
        File.WriteAllLines(path, ["{\"text\": \"one\", \"id\": \"x\"}", "", "{\"text\": \"two\"}"]);
        Assert.That(DocumentSource.Load(path), Is.EqualTo(new[] { new Document("x", "one"), new Document("set.jsonl:3", "two") }));
    }

    [TestCase("{\"body\": \"no text\"}", "set.jsonl:1: no string field \"text\"")]
    [TestCase("{not json", "set.jsonl:1: not valid JSON")]
    [TestCase("{\"text\": 5}", "set.jsonl:1: no string field \"text\"")]
    public void Load_BadJsonLine_NamesFileAndLine(string line, string expected)
    {
        string path = Path.Combine(dir, "set.jsonl");
        File.WriteAllLines(path, [line]);
        Assert.That(Assert.Throws<FormatException>(() => DocumentSource.Load(path))!.Message, Does.Contain(expected));
    }

    [Test]
    public void Load_SingleTxtOrGzFile_IsOneDocument_AndAnotherKindOfFileIsRefused()
    {
        string txt = Path.Combine(dir, "a.txt"), gz = Path.Combine(dir, "b.txt.gz"), md = Path.Combine(dir, "c.md");
        File.WriteAllText(txt, "plain text");
        using (var stream = new System.IO.Compression.GZipStream(File.Create(gz), System.IO.Compression.CompressionLevel.Fastest))
            stream.Write("packed text"u8);
        File.WriteAllText(md, "# notes");
        Assert.That(DocumentSource.Load(txt), Is.EqualTo(new[] { new Document("a", "plain text") }));
        Assert.That(DocumentSource.Load(gz), Is.EqualTo(new[] { new Document("b", "packed text") }));
        Assert.That(Assert.Throws<FormatException>(() => DocumentSource.Load(md))!.Message, Does.StartWith($"{md}: unsupported document file"));
    }

    [Test]
    public void Load_JsonLinesWithOnlyBlankLines_HasNoDocuments()
    {
        string path = Path.Combine(dir, "set.jsonl");
        File.WriteAllLines(path, ["", "  "]);
        Assert.That(Assert.Throws<FormatException>(() => DocumentSource.Load(path))!.Message, Is.EqualTo($"{path}: no documents."));
    }

    [Test]
    public void Load_MissingOrEmpty_SaysWhat()
    {
        Assert.That(Assert.Throws<FileNotFoundException>(() => DocumentSource.Load(Path.Combine(dir, "none")))!.Message, Does.Contain("no such file or folder"));
        Assert.That(Assert.Throws<FileNotFoundException>(() => DocumentSource.Load(dir))!.Message, Does.Contain("no .txt or .txt.gz documents"));
    }

    [Test]
    public void BundledCorpus_HasWholeBooksWithoutLicenceText()
    {
        var books = DocumentSource.Load(DocumentSource.BundledPath());
        Assert.That(books, Has.Count.EqualTo(17));
        Assert.That(books.Select(b => b.Id), Does.Not.Contain("bible-kjv"), "the KJV is training text");
        Assert.That(books.Where(b => b.Text.Contains("SMALL PRINT", StringComparison.OrdinalIgnoreCase) || b.Text.Contains("End of Project Gutenberg")).Select(b => b.Id), Is.Empty);
        Assert.That(books.Count(b => b.Text.Length > 32768 * 4), Is.GreaterThanOrEqualTo(10), "many books reach 32k tokens");
    }
}
