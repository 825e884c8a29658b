using System.Text.Json;
using Eval.Cli;

namespace Eval.Torch.Tests.Cli;

/// <summary>`eval bench` as the README shows it: figures per (length, strategy), a memory soak, JSON, clear errors.</summary>
public class BenchCommandTests
{
    static (int Exit, string Out, string Err) Eval(params string[] args) => global::Eval.Tests.Cli.CliRunner.Run(args);

    [Test]
    public void Bench_ZooModelTwoStrategiesWithSoak_PrintsOneJsonRowPerPointAndTheSoak()
    {
        var (exit, output, error) = Eval("bench", "--model", "zoo:rope-10k", "--lengths", "128", "256", "--strategies", "default", "rerope:window=64",
            "--repeats", "1", "--soak", "25", "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.That(rows.Select(r => (r.GetProperty("strategy").GetString(), r.GetProperty("length").GetInt32())),
            Is.EqualTo(new[] { ("default", 128), ("default", 256), ("rerope:window=64", 128), ("rerope:window=64", 256) }));
        Assert.That(rows.Select(r => r.GetProperty("mfu").GetDouble()), Has.All.GreaterThan(0).And.LessThan(1));
        Assert.That(rows.Select(r => r.GetProperty("peak_memory_mib").GetDouble()), Has.All.GreaterThan(0));
        Assert.That(json.RootElement.GetProperty("matmul_peak_fp32_gflops").GetDouble(), Is.GreaterThan(0));
        Assert.That(json.RootElement.TryGetProperty("matmul_peak_fp16_gflops", out _), Is.True);
        Assert.That(json.RootElement.GetProperty("soak").GetProperty("cases").GetInt32(), Is.EqualTo(25));
    }

    /// <summary>Issue #34: a bf16 bench loads bf16 weights and measures utilisation against the bf16 matmul peak.</summary>
    [Test]
    public void Bench_Bf16_ReportsMfuAgainstTheBf16Peak()
    {
        var (exit, output, error) = Eval("bench", "--model", "zoo:rope-10k", "--lengths", "128", "--repeats", "1", "--dtype", "bf16", "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.That(root.GetProperty("dtype").GetString(), Is.EqualTo("bf16"));
        Assert.That(root.GetProperty("mfu_against_gflops").GetDouble(), Is.EqualTo(root.GetProperty("matmul_peak_bf16_gflops").GetDouble()));
        var row = root.GetProperty("rows").EnumerateArray().Single();
        Assert.That(row.GetProperty("mfu").GetDouble(), Is.GreaterThan(0).And.LessThan(1));
    }

    [TestCase("--repeats", "0", "--repeats 0 is not valid")]
    [TestCase("--strategies", "yarn:factr=2", "--strategies")]
    [TestCase("--model", "synthetic:7c", "--model")]
    [TestCase("--dtype", "fp16", "--dtype \"fp16\" is not valid. Valid: fp32, bf16")]
    [TestCase("--batch-tokens", "0", "--batch-tokens 0 is not valid")]
    public void Bench_BadInput_ExitsTwoNamingTheOption(string option, string value, string expected)
    {
        var (exit, _, error) = Eval("bench", "--lengths", "64", option, value);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(expected));
    }

    /// <summary>A synthetic shape too large for the memory .NET sees is refused before anything is allocated (synthetic:7b in fp32 needs 27 GB).</summary>
    [Test]
    public void Bench_SyntheticTooLargeForMemory_ExitsTwoBeforeBuilding()
    {
        string repository = Path.GetDirectoryName(global::Eval.Core.Runtime.RepositoryPaths.Require("README.md"))!;
        var limit = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" };   // .NET then reports 512 MiB available
        var (exit, _, error) = global::Eval.Torch.Tests.Fixtures.ChildProcess.Run("dotnet", repository,
            [Path.Combine(AppContext.BaseDirectory, "eval.dll"), "bench", "--model", "synthetic:300m", "--lengths", "64", "--repeats", "1"], limit);
        Assert.That(exit, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("synthetic:300m needs about").And.Contain("GiB of memory available"));
    }

    /// <summary>Without --strategies a model is benched as trained; a strategy its encoding cannot run is exit 2, not a crash.</summary>
    [Test]
    public void Bench_NonRopeModel_DefaultsToItsOwnEncodingAndRefusesRope()
    {
        var (exit, output, error) = Eval("bench", "--model", "zoo:alibi", "--lengths", "64", "--repeats", "1", "--json");
        Assert.That(exit, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.GetProperty("rows").EnumerateArray().Single().GetProperty("strategy").GetString(), Is.EqualTo("alibi"));
        (exit, _, error) = Eval("bench", "--model", "zoo:alibi", "--lengths", "64", "--repeats", "1", "--strategies", "default");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--strategies default").And.Contain("Alibi"));
    }
}
