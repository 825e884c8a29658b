using Eval.Core.Runtime;
using Eval.Torch.Zoo;

namespace Eval.Torch.Tests.Zoo;

/// <summary>suites/zoo/zoo.yaml and its mistakes: each message names the file, the model and the key.</summary>
public class ZooCatalogTests
{
    static string committed => File.ReadAllText(RepositoryPaths.Require("suites/zoo/zoo.yaml"));

    static IReadOnlyList<ZooModelSpec> Load(string yaml)
    {
        string path = Path.Combine(Path.GetTempPath(), $"zoo-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        try { return ZooCatalog.Load(path, vocabSize: 4096); }
        finally { File.Delete(path); }
    }

    [Test]
    public void Load_CommittedZoo_SharesOneRecipeWithCopyAndPasskeyRows()
    {
        var zoo = Load(committed);
        Assert.That(zoo.Select(m => m.Name), Is.EqualTo(new[] { "rope-10k", "rope-500", "rope-1m", "alibi", "nope", "sinusoidal", "learned", "kerple", "xpos", "hwfa" }));
        Assert.That(zoo.Select(m => m.Training).Distinct().Count(), Is.EqualTo(1), "one training recipe");
        Assert.That(zoo[0].Training.CopyFraction, Is.EqualTo(0.3));
        Assert.That(zoo[0].Training.PasskeyFraction, Is.EqualTo(0.3));
    }

    [Test]
    [TestCase("kerple", Eval.Torch.Model.PositionEncoding.Kerple)]
    [TestCase("xpos", Eval.Torch.Model.PositionEncoding.Xpos)]
    [TestCase("hwfa", Eval.Torch.Model.PositionEncoding.Hwfa, 128)]
    public void Load_UntrainedMember_IsTheAlibiRecipeWithOnlyTheEncodingChanged(string name, Eval.Torch.Model.PositionEncoding encoding, int? window = null)
    {
        var zoo = Load(committed);
        var alibi = zoo.Single(m => m.Name == "alibi");
        var member = zoo.Single(m => m.Name == name);
        Assert.That(member.Architecture, Is.EqualTo(alibi.Architecture with { Encoding = encoding, SlidingWindow = window }));   // rope_theta 10,000
        Assert.That(member.Training, Is.EqualTo(alibi.Training));
    }

    [Test]
    public void Load_HwfaWithoutItsWindow_IsRefusedNamingTheKey()
    {
        var error = Assert.Throws<FormatException>(() => Load(committed.Replace("    sliding_window: 128\n", "")))!;
        Assert.That(error.Message, Does.Contain("Zoo model \"hwfa\"").And.Contain("needs sliding_window"));
    }

    [TestCase("copy_fraction: 0.3 ", "copy_fraction: 0.8 ", "passkey_fraction 0.3 and copy_fraction 0.8 must be >= 0 and sum to at most 1")]
    [TestCase("copy_fraction: 0.3 ", "copy_fraction: lots ", "copy_fraction \"lots\" is not a number")]
    [TestCase("steps: 24000 ", "steps: 2.5e4 ", "steps \"2.5e4\" is not a whole number")]
    public void Load_BadValue_NamesFileModelAndKey(string from, string to, string expected)
    {
        Assert.That(committed, Does.Contain(from));
        var error = Assert.Throws<FormatException>(() => Load(committed.Replace(from, to)))!;
        Assert.That(error.Message, Does.Contain("Zoo model \"rope-10k\" in ").And.Contain(".yaml").And.Contain(expected));
    }
}
