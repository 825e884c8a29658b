using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Eval.Core.Corpora;

/// <summary>
/// The long-range corpus on disk: a .jsonl file, one document a line with its "id", "text" (so perplexity reads it as
/// any .jsonl corpus) and "repeats": each with its distance, tokens_apart, passage_tokens and the character spans
/// source, repeat and key ([start, end) into text).
/// </summary>
public static class LongRangeFile
{
    public const string BundledPath = "suites/corpora/longrange/longrange.jsonl";

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string path, IEnumerable<LongRangeDocument> documents)
    {
        using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
        foreach (var d in documents)
        {
            var repeats = new JsonArray(d.Repeats.Select(r => (JsonNode)new JsonObject
            {
                ["distance"] = r.Distance, ["tokens_apart"] = r.TokensApart, ["passage_tokens"] = r.PassageTokens,
                ["source"] = new JsonArray(r.Source.Start, r.Source.End), ["repeat"] = new JsonArray(r.Repeat.Start, r.Repeat.End),
                ["key"] = new JsonArray(r.Key.Start, r.Key.End),
            }).ToArray());
            writer.WriteLine(new JsonObject { ["id"] = d.Id, ["text"] = d.Text, ["repeats"] = repeats }.ToJsonString(Options));
        }
    }

    /// <summary>Every document with its repeats; a line without repeats, or a span outside its text, is a <see cref="FormatException"/> naming the line.</summary>
    public static IReadOnlyList<LongRangeDocument> Read(string path)
    {
        var documents = new List<LongRangeDocument>();
        int line = 0;
        foreach (string row in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(row)) continue;
            try
            {
                var json = JsonNode.Parse(row)!.AsObject();
                string text = json["text"]!.GetValue<string>();
                var repeats = json["repeats"]!.AsArray().Select(r =>
                {
                    (int, int) Span(string key)
                    {
                        var a = r![key]!.AsArray();
                        int start = a[0]!.GetValue<int>(), end = a[1]!.GetValue<int>();
                        return start >= 0 && start < end && end <= text.Length ? (start, end) : throw new FormatException($"{key} span [{start}, {end}) is outside the text of {text.Length} characters");
                    }
                    return new RepeatSpan(r!["distance"]!.GetValue<int>(), r["tokens_apart"]!.GetValue<int>(), r["passage_tokens"]!.GetValue<int>(), Span("source"), Span("repeat"), Span("key"));
                }).ToList();
                documents.Add(new LongRangeDocument(json["id"]!.ToString(), text, repeats));
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
            { throw new FormatException($"{path}:{line}: not a long-range document (id, text, repeats with distance, tokens_apart, passage_tokens, source, repeat, key): {e.Message}"); }
        }
        if (documents.Count == 0) throw new FormatException($"{path}: no documents.");
        return documents;
    }
}
