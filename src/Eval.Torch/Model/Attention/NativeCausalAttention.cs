using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Causal attention in bf16 through the native kernel in bf16-causal-attention.c: FlashAttention-2's loop with
/// avx512_bf16 dot products, scores and softmax in fp32 registers, probabilities rounded to bf16 for the product with
/// V, one head per call, heads spread over the torch threads. Where the build found no C compiler (no
/// libevalkernels.so beside the assemblies) or the CPU lacks avx512_bf16, <see cref="Serves"/> says no and the caller
/// takes <see cref="MatmulCausalAttention"/> instead.
/// </summary>
public static unsafe class NativeCausalAttention
{
    public const string LibraryFile = "libevalkernels.so";

    private sealed class Kernel
    {
        public required delegate* unmanaged<ushort*, long, ushort*, long, ushort*, long, ushort*, long, long, long, float, int> Attend;
        public required delegate* unmanaged<IntPtr, IntPtr> TensorData;   // LibTorchSharp's THSTensor_data: a tensor's first element
    }

    private static readonly Lazy<Kernel?> kernel = new(Load);

    /// <summary>Whether the kernel loaded and this CPU runs it (avx512_bf16, with the OS saving zmm registers).</summary>
    public static bool Available => kernel.Value is not null;

    /// <summary>Whether this path serves these inputs: bf16 on the CPU without gradients, q, k, v of one shape (B, nH, T, hd), hd a multiple of 16 up to 512, rows of contiguous dims.</summary>
    public static bool Serves(Tensor q, Tensor k, Tensor v)
    {
        if (q.device_type != DeviceType.CPU || q.dtype != ScalarType.BFloat16 || k.dtype != q.dtype || v.dtype != q.dtype
            || is_grad_enabled() || q.dim() != 4 || !Available) return false;
        long dims = q.shape[3];
        bool Fits(Tensor t) => t.shape.SequenceEqual(q.shape) && t.stride(3) == 1 && t.stride(2) % 2 == 0 && t.device_type == DeviceType.CPU;
        return dims % 16 == 0 && dims <= 512 && Fits(q) && Fits(k) && Fits(v);
    }

    /// <summary>q, k, v (B, nH, T, hd) bf16, query i at position i, key j visible iff j &lt;= i -> (B, nH, T, hd).</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v)
    {
        var native = kernel.Value ?? throw new InvalidOperationException($"{LibraryFile} is not available here.");
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], dims = q.shape[3];
        var output = empty(batch, heads, rows, dims, dtype: ScalarType.BFloat16);     // (B, nH, T, hd)
        var (qs, ks, vs, os) = (q.stride(), k.stride(), v.stride(), output.stride());
        var (qd, kd, vd, od) = (native.TensorData(q.Handle), native.TensorData(k.Handle), native.TensorData(v.Handle), native.TensorData(output.Handle));
        float scale = (float)(1.0 / Math.Sqrt(dims));
        int failure = 0;
        Parallel.For(0, batch * heads, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, bh =>
        {
            long b = bh / heads, h = bh % heads;
            int status = native.Attend((ushort*)qd + b * qs[0] + h * qs[1], qs[2], (ushort*)kd + b * ks[0] + h * ks[1], ks[2],
                (ushort*)vd + b * vs[0] + h * vs[1], vs[2], (ushort*)od + b * os[0] + h * os[1], os[2], rows, dims, scale);
            if (status != 0) Interlocked.Exchange(ref failure, status);
        });
        GC.KeepAlive(q); GC.KeepAlive(k); GC.KeepAlive(v);
        if (failure != 0)
        {
            output.Dispose();
            throw new InvalidOperationException(failure == -2 ? $"{LibraryFile}: out of memory for the attention's scratch ({rows} tokens x {dims} dims)."
                : $"{LibraryFile} refused the shapes q {string.Join('x', q.shape)} (strides {string.Join(',', qs)}).");
        }
        return output;
    }

    private static Kernel? Load()
    {
        if (!OperatingSystem.IsLinux() || !Avx512F.IsSupported || !Avx512BW.IsSupported) return null;
        if (!NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, LibraryFile), out var library)) return null;
        var supported = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "eval_bf16_attention_supported");
        if (supported() != 1) return null;
        if (!NativeLibrary.TryLoad("LibTorchSharp", typeof(torch).Assembly, null, out var torchSharp)
            || !NativeLibrary.TryGetExport(torchSharp, "THSTensor_data", out var tensorData)) return null;
        return new Kernel
        {
            Attend = (delegate* unmanaged<ushort*, long, ushort*, long, ushort*, long, ushort*, long, long, long, float, int>)
                NativeLibrary.GetExport(library, "eval_bf16_causal_attention"),
            TensorData = (delegate* unmanaged<IntPtr, IntPtr>)tensorData,
        };
    }
}
