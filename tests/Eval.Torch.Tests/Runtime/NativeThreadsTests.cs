using Eval.Torch.Runtime;

namespace Eval.Torch.Tests.Runtime;

public class NativeThreadsTests
{
    [Test]
    public void FixAtStartup_WritesDynamicModesOffIntoTheNativeEnvironment()
    {
        NativeThreads.FixAtStartup();
        Assert.That(NativeThreads.NativeDynamicModes(), Is.EquivalentTo(new Dictionary<string, string?> { ["OMP_DYNAMIC"] = "FALSE", ["MKL_DYNAMIC"] = "FALSE" }));
    }

    [Test]
    public void Current_IsLibTorchsPositiveThreadCount() =>
        Assert.That(NativeThreads.Current, Is.EqualTo(TorchSharp.torch.get_num_threads()).And.GreaterThan(0));
}
