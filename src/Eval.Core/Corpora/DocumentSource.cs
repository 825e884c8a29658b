using System.IO.Compression;
using System.Text.Json;
using Eval.Core.Runtime;

namespace Eval.Core.Corpora;

/// <summary>
/// Loads evaluation documents: a folder of .txt / .txt.gz files (one document each, sorted by name), a single such
/// file, or a .jsonl file whose lines carry a "text" field (and optionally "id").
/// </summary>
public static class DocumentSource
{
    /// <summary>The bundled evaluation corpus: whole public-domain books (suites/corpora/eval).</summary>
    public const string BundledEval = "suites/corpora/eval";

    public static IReadOnlyList<Document> Load(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.GetFiles(path).Where(f => f.EndsWith(".txt", StringComparison.Ordinal) || f.EndsWith(".txt.gz", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new FileNotFoundException($"{path}: no .txt or .txt.gz documents in this folder.");
            return files.Select(ReadTextFile).ToList();
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or folder.");
        if (path.EndsWith(".jsonl", StringComparison.Ordinal)) return ReadJsonLines(path);
        if (path.EndsWith(".txt", StringComparison.Ordinal) || path.EndsWith(".txt.gz", StringComparison.Ordinal)) return [ReadTextFile(path)];
        throw new FormatException($"{path}: unsupported document file. Use a folder of .txt/.txt.gz files, a .txt/.txt.gz file, or a .jsonl file.");
    }

    /// <summary>
    /// A suite's corpus path as read: absolute, or relative to the current directory, or else (like the bundled corpus)
    /// the first such path above the current directory or the application folder. Validation and the run both use this.
    /// </summary>
    public static string Resolve(string corpus) =>
        Path.IsPathRooted(corpus) || File.Exists(corpus) || Directory.Exists(corpus) ? corpus : RepositoryPaths.Find(corpus) ?? corpus;

    /// <summary>The bundled corpus folder, found above the current directory or the application folder.</summary>
    public static string BundledPath() => RepositoryPaths.Require(BundledEval);

    private static Document ReadTextFile(string file)
    {
        string name = Path.GetFileName(file);
        string id = name.EndsWith(".txt.gz", StringComparison.Ordinal) ? name[..^7] : name[..^4];
        return new Document(id, ReadText(file));
    }

    /// <summary>A text file's text, gunzipped when its name ends in .gz (as the bundled corpora are stored).</summary>
    public static string ReadText(string file)
    {
        if (!file.EndsWith(".gz", StringComparison.Ordinal)) return File.ReadAllText(file);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
        return reader.ReadToEnd();
    }

    private static List<Document> ReadJsonLines(string file)
    {
        var documents = new List<Document>();
        int line = 0;
        foreach (string row in File.ReadLines(file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(row)) continue;
            try
            {
                using var json = JsonDocument.Parse(row);
                if (!json.RootElement.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                    throw new FormatException($"{file}:{line}: no string field \"text\".");
                string id = json.RootElement.TryGetProperty("id", out var given) ? given.ToString() : $"{Path.GetFileName(file)}:{line}";
                documents.Add(new Document(id, text.GetString()!));
            }
            catch (JsonException e) { throw new FormatException($"{file}:{line}: not valid JSON ({e.Message})."); }
        }
        if (documents.Count == 0) throw new FormatException($"{file}: no documents.");
        return documents;
    }
}
