# Shared routines of the payloads: puts (rsi: NUL-terminated string to
# port 0xe9), puthex (rax as 16 hex digits), shutdown (Bochs port 0x8900).
puts:   push %rax
1:      lodsb
        test %al, %al
        jz 2f
        out %al, $0xe9
        jmp 1b
2:      pop %rax
        ret
puthex: push %rcx
        push %rdx
        mov %rax, %rdx
        mov $16, %ecx
1:      rol $4, %rdx
        mov %dl, %al
        and $15, %al
        add $'0', %al
        cmp $'9', %al
        jbe 2f
        add $('a'-'9'-1), %al
2:      out %al, $0xe9
        dec %ecx
        jnz 1b
        mov $10, %al
        out %al, $0xe9
        pop %rdx
        pop %rcx
        ret
shutdown:
        lea shutmsg(%rip), %rsi
        mov $0x8900, %dx
1:      lodsb
        test %al, %al
        jz 2f
        out %al, %dx
        jmp 1b
2:      cli
        hlt
        jmp 2b
shutmsg: .asciz "Shutdown"
