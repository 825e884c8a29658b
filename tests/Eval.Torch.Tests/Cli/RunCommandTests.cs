using System.Text.Json.Nodes;
using Eval.Cli;
using Eval.Tests.Cli;
using Microsoft.Data.Sqlite;

namespace Eval.Torch.Tests.Cli;

/// <summary>`eval run` through the real command (it asks libtorch its version, hence here), with plain line output (what schedulers keep).</summary>
public class RunCommandTests
{
    string dir = "";

    [SetUp] public void Create() => dir = Directory.CreateTempSubdirectory("run-command-").FullName;
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); Directory.Delete(dir, recursive: true); }

    /// <summary>A one-model suite over a checkpoint folder called <paramref name="folderName"/> whose weights are not safetensors: its cases fail to load.</summary>
    string SuiteOver(string folderName)
    {
        string model = Directory.CreateDirectory(Path.Combine(dir, folderName)).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), new JsonObject
        {
            ["model_type"] = "llama", ["vocab_size"] = 64, ["hidden_size"] = 16, ["num_hidden_layers"] = 1, ["num_attention_heads"] = 2,
            ["intermediate_size"] = 32, ["max_position_embeddings"] = 256, ["position_encoding"] = "rope",
        }.ToJsonString());
        File.WriteAllText(Path.Combine(model, "model.safetensors"), "not safetensors");
        string suite = Path.Combine(dir, "s.yaml");
        string yamlPath = model.Replace("\u001b", "\\e").Replace("\u0007", "\\a").Replace("\n", "\\n").Replace("\r", "\\r");
        File.WriteAllText(suite, $"name: s\nmodels: [{{ path: \"{yamlPath}\" }}]\nstrategies: [default]\nlengths: [256]\ntasks: [passkey]\n");
        return suite;
    }

    [Test]
    public void Run_ModelFolderNameWithEscapeCodesAndNewlines_PrintsItEscapedOneLinePerEvent()
    {
        string suite = SuiteOver("evil\u001b]0;pwned\u0007\nFAKE 00:00 [1/1] done\r");
        var (exit, output, error) = CliRunner.Run("run", suite, "--db", Path.Combine(dir, "eval.db"));

        Assert.That(exit, Is.EqualTo(ExitCodes.CaseFailed), output + error);
        Assert.That(output + error, Does.Not.Contain("\u001b").And.Not.Contain("\u0007").And.Not.Contain("\r"));
        Assert.That(output, Does.Contain("evil\\x1b]0;pwned\\x07\\nFAKE 00:00 [1/1] done\\r"));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines.Where(l => l.Contains("FAKE")), Has.All.Match(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "), "a name cannot start a line of its own");
    }
}
