using System.Text.Json.Nodes;

namespace Eval.Tests.Fakes;

/// <summary>A temporary folder with suites/zoo/NAME/config.json for each named model (no weights), for suite and runner tests.</summary>
public static class TempZoo
{
    /// <summary>Creates the folder; returns its root (suites/ lies under it). Delete it in the test's teardown.</summary>
    public static string Create(string purpose, params (string Name, string Encoding)[] models)
    {
        string root = Path.Combine(Path.GetTempPath(), purpose, Guid.NewGuid().ToString("N"));
        foreach (var (name, encoding) in models)
        {
            string dir = Path.Combine(root, "suites", "zoo", name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), new JsonObject
            {
                ["model_type"] = "llama", ["vocab_size"] = 64, ["hidden_size"] = 16, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
                ["intermediate_size"] = 32, ["max_position_embeddings"] = 256, ["position_encoding"] = encoding,
            }.ToJsonString());
        }
        return root;
    }

    /// <summary>
    /// Adds suites/zoo/NAME with a vocabulary of 131,072 over a hidden size of 64: 8.5M parameters, so it evaluates anywhere,
    /// yet a training step of 1M tokens needs terabytes for its logits alone, so no machine can tune it at that length.
    /// </summary>
    public static string AddWideVocabulary(string root, string name)
    {
        string dir = Path.Combine(root, "suites", "zoo", name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 131072, ["hidden_size"] = 64, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4,
            ["intermediate_size"] = 128, ["max_position_embeddings"] = 256, ["tie_word_embeddings"] = true,
        }.ToJsonString());
        return dir;
    }
}
