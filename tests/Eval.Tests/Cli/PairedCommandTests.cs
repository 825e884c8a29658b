using Eval.Cli;
using Eval.Core.Results;
using Eval.Core.Tasks;
using Eval.Tests.Fakes;
using Microsoft.Data.Sqlite;

namespace Eval.Tests.Cli;

/// <summary>Issue #31: `eval paired A B` and `eval compare --paired` on hand-made stored runs with training seeds.</summary>
public class PairedCommandTests
{
    string folder = "";
    string Db => Path.Combine(folder, "eval.db");

    [SetUp] public void Create() => folder = Directory.CreateTempSubdirectory("paired-command-").FullName;
    [TearDown] public void Remove() { SqliteConnection.ClearAllPools(); Directory.Delete(folder, recursive: true); }

    static readonly double[] Documents = [1.0, 2.5, 1.7, 3.2, 2.2, 1.4, 2.9, 1.9];

    /// <summary>A perplexity case of eight documents, each shifted by <paramref name="shift"/> nats from <see cref="Documents"/>.</summary>
    static CaseResult Ppl(string model, string strategy, int length, double shift)
    {
        var metrics = Documents.Select((d, i) => new MetricValue(PerplexityTask.DocumentMetricPrefix + "doc" + i, (d + shift) * 100, 100, d + shift)).ToList();
        double sum = metrics.Sum(m => m.Sum);
        metrics.Add(new MetricValue("ppl", sum, 800, Math.Exp(sum / 800)));
        return StoredCases.Case(model, strategy, length, "perplexity", "protocol=chunks", 256, metrics);
    }

    [Test]
    public void Paired_SeededRows_PrintsMeanSdAndTheTestAtEachLength()
    {
        StoredCases.StoreRun(Db, "s",
            Ppl("pi@seed=1", "linear:factor=4", 512, 0.00), Ppl("pi@seed=2", "linear:factor=4", 512, 0.02), Ppl("pi@seed=3", "linear:factor=4", 512, 0.01),
            Ppl("direct@seed=1", "default", 512, 0.20), Ppl("direct@seed=2", "default", 512, 0.25), Ppl("direct@seed=3", "default", 512, 0.22),
            Ppl("zoo", "default", 512, 0.01), Ppl("zoo", "yarn:factor=4", 512, 0.0));

        var (exit, output, error) = CliRunner.Run("paired", "pi", "direct", "--db", Db);

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(output, Does.Contain("B = direct | default against A = pi | linear:factor=4"));
        Assert.That(output, Does.Contain("perplexity ppl at 512: A ").And.Contain("(3 seeds)").And.Contain("(3 x 8 units): B worse"));
    }

    [Test]
    public void Paired_ModelWithSeveralStrategies_NeedsOneNamed()
    {
        StoredCases.StoreRun(Db, "s", Ppl("zoo", "default", 512, 0.01), Ppl("zoo", "yarn:factor=4", 512, 0.0), Ppl("pi@seed=1", "carried", 512, 0));

        var (exit, _, error) = CliRunner.Run("paired", "zoo", "pi", "--db", Db);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain("A: model \"zoo\" ran 2 strategies; name one as MODEL|STRATEGY. Strategies: default, yarn:factor=4"));

        var (named, output, _) = CliRunner.Run("paired", "zoo|yarn:factor=4", "pi", "--db", Db);
        Assert.That(named, Is.EqualTo(ExitCodes.Ok), output);
        Assert.That(output, Does.Contain("(1 seed)").And.Contain("(1 x 8 units)"));
    }

    [Test]
    public void Paired_TunedAndZooModels_MayBeNamedWithoutTheirPrefix()
    {
        StoredCases.StoreRun(Db, "s", Ppl("tune:pi@seed=1", "carried", 512, 0), Ppl("zoo:rope", "carried", 512, 0.1));

        var (exit, output, error) = CliRunner.Run("paired", "pi", "rope", "--db", Db);

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output + error);
        Assert.That(output, Does.Contain("B = zoo:rope | carried against A = tune:pi | carried"));
    }

    [Test]
    public void Paired_UnknownModel_ExitsTwoWithTheRunsModelsAndASuggestion()
    {
        StoredCases.StoreRun(Db, "s", Ppl("pi@seed=1", "carried", 512, 0), Ppl("direct@seed=1", "carried", 512, 0.1));

        var (exit, _, error) = CliRunner.Run("paired", "pj", "direct", "--db", Db);

        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput));
        Assert.That(error, Does.Contain("A: no model \"pj\" in the run. Models: pi, direct").And.Contain("Did you mean \"pi\""));
    }

    [Test]
    public void ComparePaired_SmallRiseOnEveryDocument_ExitsThreeWhereTheIndependentNoiseExitsZero()
    {
        string a = StoredCases.StoreRun(Db, "s", WithSquares(Ppl("zoo:m", "default", 512, 0)));
        string b = StoredCases.StoreRun(Db, "s", WithSquares(Ppl("zoo:m", "default", 512, 0.03)));

        var independent = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b, "--tolerance", "0");
        var paired = CliRunner.Run("compare", "--db", Db, "--baseline", a, "--candidate", b, "--tolerance", "0", "--paired");

        Assert.That(independent.Exit, Is.EqualTo(ExitCodes.Ok), independent.Out);
        Assert.That(paired.Exit, Is.EqualTo(ExitCodes.Regression), paired.Out);
        Assert.That(paired.Out, Does.Contain("paired bootstrap interval").And.Contain("paired, p "));
    }

    /// <summary>Token NLLs of s.d. 1.5 recorded on the total, so the independent noise model has what it needs.</summary>
    static CaseResult WithSquares(CaseResult c)
    {
        var ppl = c.Metric("ppl")!;
        double mean = ppl.Sum / ppl.Count;
        return c with { Metrics = [.. c.Metrics.Where(m => m.Name != "ppl"), ppl with { SumOfSquares = ppl.Count * (1.5 * 1.5 + mean * mean) }] };
    }
}
