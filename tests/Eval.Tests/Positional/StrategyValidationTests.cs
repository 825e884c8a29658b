using Eval.Core.Positional;

namespace Eval.Tests.Positional;

public class StrategyValidationTests
{
    static string Error(string text) => Assert.Throws<StrategyException>(() => StrategyRegistry.Create(text))!.Message;

    [Test]
    public void Create_UnknownName_ListsAvailableAndSuggests()
    {
        string message = Error("yarnn:factor=8");
        Assert.That(message, Does.Contain("Unknown strategy \"yarnn\""));
        Assert.That(message, Does.Contain("Available: alibi, base, default, dynamic"));
        Assert.That(message, Does.Contain("Did you mean \"yarn\"?"));
    }

    [Test]
    public void Create_UnknownParameter_ListsAcceptedAndSuggests()
    {
        string message = Error("yarn:factor=8,beta_fats=16");
        Assert.That(message, Does.Contain("no parameter \"beta_fats\""));
        Assert.That(message, Does.Contain("Accepted: factor, beta_fast, beta_slow"));
        Assert.That(message, Does.Contain("Did you mean \"beta_fast\"?"));
    }

    [TestCase("linear:factor=0.5", "factor=0.5 is not valid")]
    [TestCase("linear:factor=abc", "factor=abc is not valid")]
    [TestCase("linear:factor=NaN", "factor=NaN is not valid")]
    [TestCase("linear", "needs parameter \"factor\"")]
    [TestCase("base", "needs parameter \"theta\"")]
    [TestCase("base:theta=1", "theta=1 must be > 1")]
    [TestCase("rerope:window=0", "window=0 must be >= 1")]
    [TestCase("rerope:window=1.5", "window=1.5 must be a whole number")]
    [TestCase("rerope:logn=maybe", "logn=maybe must be true or false")]
    [TestCase("llama3:factor=8,low_freq_factor=4,high_freq_factor=1", "must be greater than low_freq_factor")]
    [TestCase("longrope:short_factor=1|2,long_factor=1", "short_factor has 2 entries but long_factor has 1")]
    [TestCase("default:factor=2", "It takes no parameters")]
    [TestCase("yarn:factor", "is not key=value")]
    [TestCase("", "Strategy is empty")]
    public void Create_BadValue_NamesIt(string text, string expected) => Assert.That(Error(text), Does.Contain(expected));

    [Test]
    public void Frequencies_LongRopeListsOfWrongLength_NameHeadDim()
    {
        var strategy = StrategyRegistry.Create("longrope:short_factor=1|1,long_factor=2|2");
        var e = Assert.Throws<StrategyException>(() => strategy.Frequencies(new RopeGeometry(8, 10000, 16), 32));
        Assert.That(e!.Message, Does.Contain("head dimension 8 needs 4"));
    }

    [TestCase(7)]
    [TestCase(0)]
    public void Frequencies_OddOrZeroHeadDim_IsRejected(int headDim) =>
        Assert.Throws<StrategyException>(() => StrategyRegistry.Create("default").Frequencies(new RopeGeometry(headDim, 10000, 16), 8));

    [Test]
    public void TryCreate_BadSpec_ReturnsErrorInsteadOfThrowing()
    {
        Assert.That(StrategyRegistry.TryCreate(StrategySpec.Parse("ntk:factor=-1"), out var strategy, out string? error), Is.False);
        Assert.That(strategy, Is.Null);
        Assert.That(error, Does.Contain("factor=-1"));
    }
}
