using Eval.Core.Tuning;

namespace Eval.Tests.Tuning;

/// <summary>The cost per step a report shows for a tuned model (issue #23 survivor: SecondsPerStep was untested).</summary>
public class TuneCardTests
{
    static TuneCard Card(double seconds, int steps) => new(
        "tuned", "zoo:rope-a", "fp", "key", "recipe", "linear:factor=4", 128, steps, 2, 3e-4, 1234, 0, 1.5,
        seconds, seconds, 0, 1, "test", []);

    [Test]
    public void SecondsPerStep_NinetySecondsOverThirtySteps_IsThree() =>
        Assert.That(Card(seconds: 90, steps: 30).SecondsPerStep, Is.EqualTo(3.0));

    [Test]
    public void SecondsPerStep_NoSteps_IsZero() =>
        Assert.That(Card(seconds: 90, steps: 0).SecondsPerStep, Is.EqualTo(0.0));
}
