using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace Eval.Torch.Model.Attention;

/// <summary>
/// Causal attention in bf16 through the native kernel in bf16-causal-attention.c: FlashAttention-2's loop with
/// avx512_bf16 dot products, scores and softmax in fp32 registers, probabilities rounded to bf16 for the product with
/// V, one head per call, heads spread over the torch threads; plain, with a distance bias (ALiBi, KERPLE), or with a
/// second rotation inside a window (ReRoPE-style). Where the build found no C compiler (no
/// libevalkernels.so beside the assemblies) or the CPU lacks avx512_bf16, <see cref="Serves"/> says no and the caller
/// takes <see cref="MatmulCausalAttention"/> instead.
/// </summary>
public static unsafe class NativeCausalAttention
{
    public const string LibraryFile = "libevalkernels.so";

    private sealed class Kernel
    {
        public required delegate* unmanaged<ushort*, long, ushort*, long, ushort*, long, ushort*, long, long, long, float, float*, ushort*, long, ushort*, long, long, int> Attend;
        public required delegate* unmanaged<IntPtr, IntPtr> TensorData;   // LibTorchSharp's THSTensor_data: a tensor's first element
    }

    private static readonly Lazy<Kernel?> kernel = new(Load);

    /// <summary>Whether the kernel loaded and this CPU runs it (avx512_bf16, with the OS saving zmm registers).</summary>
    public static bool Available => kernel.Value is not null;

    /// <summary>Whether this path serves these inputs: bf16 on the CPU without gradients, q, k, v (and any more, such as a near rotation's) of one shape (B, nH, T, hd), hd a multiple of 16 up to 512, rows of contiguous dims.</summary>
    public static bool Serves(Tensor q, Tensor k, Tensor v, params Tensor[] more)
    {
        if (q.device_type != DeviceType.CPU || q.dtype != ScalarType.BFloat16 || k.dtype != q.dtype || v.dtype != q.dtype
            || is_grad_enabled() || q.dim() != 4 || !Available) return false;
        long dims = q.shape[3];
        bool Fits(Tensor t) => t.shape.SequenceEqual(q.shape) && t.stride(3) == 1 && t.stride(2) % 2 == 0 && t.device_type == DeviceType.CPU;
        return dims % 16 == 0 && dims <= 512 && Fits(q) && Fits(k) && Fits(v) && more.All(t => t.dtype == q.dtype && Fits(t));
    }

    /// <summary>q, k, v (B, nH, T, hd) bf16, query i at position i, key j visible iff j &lt;= i -> (B, nH, T, hd).</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v) => Run(q, k, v, null, null, null, 0);

    /// <summary>
    /// ALiBi, KERPLE: scores plus a per-head bias of the distance i - j, added in fp32. <paramref name="bias"/> (nH, T)
    /// holds each head's bias at distances 0 .. T - 1.
    /// </summary>
    public static Tensor AttendWithBias(Tensor q, Tensor k, Tensor v, Tensor bias)
    {
        using var table = bias.to(ScalarType.Float32).contiguous();
        return Run(q, k, v, table, null, null, 0);
    }

    /// <summary>
    /// ReRoPE, Leaky ReRoPE, Self-Extend (bojone's rerope_patch): scores from the far rotation, from the near one
    /// where i - j &lt; <paramref name="window"/>. Inputs (B, nH, T, hd) -> (B, nH, T, hd).
    /// </summary>
    public static Tensor AttendDualRotary(Tensor nearQ, Tensor nearK, Tensor farQ, Tensor farK, Tensor v, int window) =>
        Run(farQ, farK, v, null, nearQ, nearK, window);

    private static Tensor Run(Tensor q, Tensor k, Tensor v, Tensor? bias, Tensor? nearQ, Tensor? nearK, long window)
    {
        var native = kernel.Value ?? throw new InvalidOperationException($"{LibraryFile} is not available here.");
        // The kernel reads T rows of every input by raw pointer: inputs that do not match are refused here, not read past.
        Tensor[] rotation = nearQ is null || nearK is null ? [] : [nearQ, nearK];
        if (!Serves(q, k, v, rotation) || (nearQ is null) != (nearK is null))
            throw new ArgumentException($"{LibraryFile} takes bf16 CPU tensors of one shape (B, nH, T, hd), hd a multiple of 16 up to 512, "
                + $"without gradients; got q {string.Join('x', q.shape)} {q.dtype}, k {string.Join('x', k.shape)}, v {string.Join('x', v.shape)}.");
        long batch = q.shape[0], heads = q.shape[1], rows = q.shape[2], dims = q.shape[3];
        if (bias is not null && (bias.dim() != 2 || bias.shape[0] != heads || bias.shape[1] != rows))
            throw new ArgumentException($"bias must be (heads {heads}, tokens {rows}), not {string.Join('x', bias.shape)}.", nameof(bias));
        var output = empty(batch, heads, rows, dims, dtype: ScalarType.BFloat16);     // (B, nH, T, hd)
        var (qs, ks, vs, os) = (q.stride(), k.stride(), v.stride(), output.stride());
        var (nqs, nks) = (nearQ?.stride() ?? qs, nearK?.stride() ?? ks);
        nint Data(Tensor? t) => t is null ? 0 : native.TensorData(t.Handle);
        var (qd, kd, vd, od, bd, nqd, nkd) = (Data(q), Data(k), Data(v), Data(output), Data(bias), Data(nearQ), Data(nearK));
        float scale = (float)(1.0 / Math.Sqrt(dims));
        int failure = 0;
        Parallel.For(0, batch * heads, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) }, bh =>
        {
            long b = bh / heads, h = bh % heads;
            int status = native.Attend((ushort*)qd + b * qs[0] + h * qs[1], qs[2], (ushort*)kd + b * ks[0] + h * ks[1], ks[2],
                (ushort*)vd + b * vs[0] + h * vs[1], vs[2], (ushort*)od + b * os[0] + h * os[1], os[2], rows, dims, scale,
                bd == 0 ? null : (float*)bd + h * rows,
                nqd == 0 ? null : (ushort*)nqd + b * nqs[0] + h * nqs[1], nqs[2],
                nkd == 0 ? null : (ushort*)nkd + b * nks[0] + h * nks[1], nks[2], window);
            if (status != 0) Interlocked.Exchange(ref failure, status);
        });
        GC.KeepAlive(q); GC.KeepAlive(k); GC.KeepAlive(v); GC.KeepAlive(bias); GC.KeepAlive(nearQ); GC.KeepAlive(nearK);
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
            Attend = (delegate* unmanaged<ushort*, long, ushort*, long, ushort*, long, ushort*, long, long, long, float, float*, ushort*, long, ushort*, long, long, int>)
                NativeLibrary.GetExport(library, "eval_bf16_causal_attention"),
            TensorData = (delegate* unmanaged<IntPtr, IntPtr>)tensorData,
        };
    }
}
