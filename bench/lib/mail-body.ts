/** The email scenario's 5 KB body: the four seed languages and English, multi-byte. */
export const BODY =
  'Dzień dobry, moje zamówienie nie dotarło. Hej, fakturan är fel. سلام، لطفاً کمک کنید. 您好,我想申请退款。 '
    .repeat(40)
    .slice(0, 5 * 1024);
