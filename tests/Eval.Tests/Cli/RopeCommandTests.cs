using System.Text.Json;
using Eval.Core.Positional;

namespace Eval.Tests.Cli;

public class RopeCommandTests
{
    [Test]
    public void Rope_Json_PrintsExactlyOneObjectWithFrequenciesAndFactor()
    {
        var (exit, output, _) = CliRunner.Run("rope", "--type", "yarn", "--head-dim", "128", "--theta", "10000", "--factor", "16",
            "--original-context", "4096", "--json");
        Assert.That(exit, Is.EqualTo(0));
        using var json = JsonDocument.Parse(output);
        Assert.That(json.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "inv_freq", "attention_factor" }));
        double[] inv = json.RootElement.GetProperty("inv_freq").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var expected = StrategyRegistry.Create("yarn:factor=16").Frequencies(new RopeGeometry(128, 10000, 4096), 65536);
        Assert.That(inv, Is.EqualTo(expected.InverseFrequencies));
        Assert.That(json.RootElement.GetProperty("attention_factor").GetDouble(), Is.EqualTo(expected.AttentionFactor));
    }

    [Test]
    public void Rope_OptionsAndSpecParameters_AreCombined()
    {
        var (exit, output, _) = CliRunner.Run("rope", "--type", "llama3:factor=8", "--head-dim", "64", "--theta", "500000",
            "--original-context", "8192", "--low-freq-factor", "1", "--high-freq-factor", "4", "--json");
        Assert.That(exit, Is.EqualTo(0));
        var expected = StrategyRegistry.Create("llama3:factor=8,low_freq_factor=1,high_freq_factor=4")
            .Frequencies(new RopeGeometry(64, 500000, 8192), 65536).InverseFrequencies;
        Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("inv_freq").EnumerateArray().Select(e => e.GetDouble()), Is.EqualTo(expected));
    }

    [Test]
    public void Rope_Table_ShowsWavelengthsBeforeAndAfter()
    {
        var (exit, output, _) = CliRunner.Run("rope", "--type", "pi", "--factor", "4", "--head-dim", "8", "--theta", "10000");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("wavelength before").And.Contain("wavelength after"));
        Assert.That(output, Does.Contain("    6.28             25.13    4.0000"), "PI multiplies every wavelength by s");
    }

    [TestCase(new[] { "--type", "yarnn", "--head-dim", "64", "--theta", "10000" }, "Did you mean \"yarn\"?")]
    [TestCase(new[] { "--type", "pi", "--factor", "0.5", "--head-dim", "64", "--theta", "10000" }, "factor=0.5 is not valid")]
    [TestCase(new[] { "--type", "default", "--head-dim", "63", "--theta", "10000" }, "--head-dim 63 is not valid")]
    [TestCase(new[] { "--type", "default", "--head-dim", "64", "--theta", "0.5" }, "--theta 0.5 is not valid")]
    [TestCase(new[] { "--type", "alibi", "--head-dim", "64", "--theta", "10000" }, "no RoPE frequencies")]
    [TestCase(new[] { "--head-dim", "64", "--theta", "10000" }, "--type")]
    [TestCase(new[] { "--type", "default", "--head-dim", "sixty", "--theta", "10000" }, "sixty")]
    [TestCase(new[] { "--type", "default", "--head-dim", "64", "--theta", "Infinity" }, "--theta Infinity is not valid: it must be a finite number > 1")]
    [TestCase(new[] { "--type", "default", "--head-dim", "2147483646", "--theta", "10000" }, "--head-dim 2147483646 is not valid: it must be an even number from 2 to 4096")]
    [TestCase(new[] { "--type", "yarn:factor=8", "--factor", "2", "--head-dim", "64", "--theta", "10000" }, "--factor 2 conflicts with factor=8 in --type yarn:factor=8")]
    [TestCase(new[] { "--type", "yarn:beta_fast=32", "--beta-fast", "16", "--head-dim", "64", "--theta", "10000" }, "--beta-fast 16 conflicts with beta_fast=32")]
    public void Rope_InvalidInput_ExitsTwoNamingTheProblem(string[] args, string expected)
    {
        var (exit, _, error) = CliRunner.Run(["rope", .. args]);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(expected));
    }
}
