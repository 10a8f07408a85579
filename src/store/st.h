/* st — column tables that more than one area of the store reads (the
 * appointment with its joined names: booking, front desk, portal).  Only
 * the st_*.c files include this header. */
#ifndef KNEAD_STORE_ST_H
#define KNEAD_STORE_ST_H

#include "store/rows.h"

/* The columns of the appt_cols fragment (queries/<driver>.sql), in order. */
extern const struct col st_appointment_cols[];
extern const size_t st_appointment_ncols;
#define APPOINTMENT_COLS st_appointment_cols, st_appointment_ncols

/* Runs q, a change of one appointment that holds only in some states
 * (st_booking.c); E_CONFLICT when it changed no row. */
enum err_code st_change_appointment(struct db *db, enum q_id q, const char *what,
                                    const struct drv_arg *args, size_t nargs, struct err *e);

#endif
