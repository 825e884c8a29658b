using System.Runtime.InteropServices;
using Eval.Core.Runtime;

namespace Eval.Tests.Runtime;

public class PeakMemoryTests
{
    [Test]
    public void PeakBytes_AfterTouchingMemory_GrowsAtLeastByWhatWasTouched()
    {
        PeakMemory.Reset();
        long before = PeakMemory.PeakBytes();
        const int size = 256 << 20;
        IntPtr block = Marshal.AllocHGlobal(size);
        try
        {
            unsafe { new Span<byte>((void*)block, size).Fill(1); } // touch every page so it becomes resident
            Assert.That(PeakMemory.PeakBytes(), Is.GreaterThanOrEqualTo(before + size * 9L / 10));
        }
        finally { Marshal.FreeHGlobal(block); }
    }

    [Test]
    public void Reset_OnLinux_DropsPeakBackNearCurrent()
    {
        if (!PeakMemory.CanReset) Assert.Ignore("Peak reset needs Linux /proc/self/clear_refs.");
        IntPtr block = Marshal.AllocHGlobal(256 << 20);
        unsafe { new Span<byte>((void*)block, 256 << 20).Fill(1); }
        Marshal.FreeHGlobal(block);
        PeakMemory.Reset();
        Assert.That(PeakMemory.PeakBytes(), Is.LessThan(PeakMemory.CurrentBytes() + (128L << 20)));
    }
}
