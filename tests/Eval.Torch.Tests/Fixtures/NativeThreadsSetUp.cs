using Eval.Torch.Runtime;

namespace Eval.Torch.Tests;

/// <summary>The tests run libtorch as `eval` does: dynamic thread modes off and huge pages on before TorchSharp loads it
/// (NUnit runs a set-up fixture before every test of its namespace, here all of them).</summary>
[SetUpFixture]
public class NativeThreadsSetUp
{
    [OneTimeSetUp]
    public void FixThreads()
    {
        NativeThreads.FixAtStartup();
        HugePages.EnableAtStartup();
    }
}
