# boot.S: the boot sector of TestAMXBlocksInBochs's disk images. It loads
# the payload (PAYLOAD_SECTORS sectors from sector 1) at 0x10000, enters
# 64-bit long mode with the first 1 GiB identity-mapped (2 MiB pages),
# enables x87, SSE, AVX, AVX-512 and the AMX tile state in XCR0 (CR4.OSXSAVE
# and XSETBV: no operating system is there to ask), and jumps to the payload.
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7c00, %sp
        mov %dl, bootdrive
        # fast A20
        in $0x92, %al
        or $2, %al
        out %al, $0x92
        # load PAYLOAD_SECTORS sectors, 64 at a time, to 0x1000:0000..
        movw $1, lba
        movw $0x1000, seg
        mov $PAYLOAD_SECTORS, %cx
1:      test %cx, %cx
        jz 2f
        mov $64, %bx
        cmp %bx, %cx
        jae 3f
        mov %cx, %bx
3:      mov %bx, dap_count
        mov seg, %ax
        mov %ax, dap_seg
        mov lba, %ax
        mov %ax, dap_lba
        mov $dap, %si
        mov bootdrive, %dl
        mov $0x42, %ah
        push %cx
        push %bx
        int $0x13
        pop %bx
        pop %cx
        jc diskerr
        sub %bx, %cx
        add %bx, lba
        mov %bx, %ax
        shl $5, %ax
        add %ax, seg
        jmp 1b
2:
        # page tables: PML4 0x1000, PDPT 0x2000, PD 0x3000 (2 MiB pages)
        xor %ax, %ax
        mov $0x1000, %di
        mov $0x1800, %cx
        rep stosw
        movl $0x2003, 0x1000
        movl $0x3003, 0x2000
        mov $0x3000, %di
        xor %ecx, %ecx
4:      mov %ecx, %eax
        shl $21, %eax
        or $0x83, %eax
        mov %eax, (%di)
        movl $0, 4(%di)
        add $8, %di
        inc %ecx
        cmp $512, %ecx
        jb 4b
        lgdt gdtr
        # CR4: PAE | OSFXSR | OSXMMEXCPT | OSXSAVE
        mov $((1<<5)|(1<<9)|(1<<10)|(1<<18)), %eax
        mov %eax, %cr4
        mov $0x1000, %eax
        mov %eax, %cr3
        mov $0xC0000080, %ecx
        rdmsr
        or $(1<<8), %eax
        wrmsr
        mov %cr0, %eax
        and $~(1<<2), %eax          # clear EM
        or $((1<<31)|(1<<1)|1), %eax  # PG | MP | PE
        mov %eax, %cr0
        ljmp $0x08, $long64
diskerr:
        mov $0x45, %al
        out %al, $0xe9
        hlt
        .code64
long64:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7c00, %rsp
        # XCR0: x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM XTILECFG XTILEDATA
        xor %ecx, %ecx
        mov $((1<<0)|(1<<1)|(1<<2)|(1<<5)|(1<<6)|(1<<7)|(1<<17)|(1<<18)), %eax
        xor %edx, %edx
        xsetbv
        mov $0x10000, %rax
        jmp *%rax

        .p2align 3
gdt:    .quad 0
        .quad 0x00af9a000000ffff   # 64-bit code
        .quad 0x00cf92000000ffff   # data
gdtr:   .word 23
        .long gdt
bootdrive: .byte 0
        .p2align 2
lba:    .word 0
seg:    .word 0
dap:    .byte 16, 0
dap_count: .word 0
        .word 0
dap_seg: .word 0
dap_lba: .long 0, 0
        .org 510
        .byte 0x55, 0xaa
