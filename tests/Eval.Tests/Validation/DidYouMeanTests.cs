using Eval.Core.Validation;

namespace Eval.Tests.Validation;

public class DidYouMeanTests
{
    static readonly string[] Strategies = ["default", "linear", "ntk", "dynamic", "yarn", "rerope"];

    [TestCase("yarnn", "yarn")]
    [TestCase("YARN", "yarn")]
    [TestCase("lineer", "linear")]
    [TestCase("dynamik", "dynamic")]
    public void Suggest_Typo_ReturnsClosestOption(string typo, string expected) =>
        Assert.That(DidYouMean.Suggest(typo, Strategies), Is.EqualTo(expected));

    [Test]
    public void Suggest_UnrelatedWord_ReturnsNull() =>
        Assert.That(DidYouMean.Suggest("transformer", Strategies), Is.Null);

    [TestCase("kitten", "sitting", 3)]
    [TestCase("", "abc", 3)]
    [TestCase("same", "same", 0)]
    public void EditDistance_KnownPairs_MatchesLevenshtein(string a, string b, int expected) =>
        Assert.That(DidYouMean.EditDistance(a, b), Is.EqualTo(expected));
}
